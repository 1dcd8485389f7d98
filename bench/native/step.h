/*
 * The C step template around the generated kernels (kernel.generated.h): the C copy of src/model/cell.ts
 * (CellKernel.prepare / finish). Used by the native yardstick (cell.c) and the kernel conformance suite
 * (test/kernels/conformance.c).
 */
#ifndef CELLSPREAD_STEP_H
#define CELLSPREAD_STEP_H
#include "kernel.generated.h"

typedef struct {
  double voltage;      /* end voltage */
  double slope;        /* its exact dV/dI (NAN when not asked for) */
  double heat;         /* heat generated over the step [J] */
  double cooling;      /* heat removed by cooling [J] */
  double voltageStart; /* voltage at the start of the step with the step's current */
  double ocvStart;
  double ocvEnd;
} StepResult;

/* The current-independent part of a step from s over dt: end = a + b I. */
static void step_prepare(const double *s, double *a, double *b, const double *p, const KernelConstants *k, double dt) {
  cell_prepare(s, a, b, p, k, dt, s[S_TEMPERATURE_RISE]);
}

/* The end state evaluated at a rise, with (slope) the derivative along the state's tangent b, the current and riseT. */
static void end_evaluation(const double *e, const double *b, const double *p, const KernelConstants *k, double I, double rise, double riseT,
                           int slope, EvaluateTangentOutputs *ev) {
  if (slope) {
    cell_evaluate_tangent(e, b, p, k, I, rise, riseT, ev);
    return;
  }
  EvaluateOutputs plain;
  cell_evaluate(e, p, k, I, rise, &plain);
  ev->voltage = plain.voltage;
  ev->heat = plain.heat;
  ev->surfaceOcv = plain.surfaceOcv;
  ev->voltageTangent = 0.0;
  ev->heatTangent = 0.0;
}

/* The SEI growth of e from s and the drives (with `slope`, its derivative in the current into b). */
static void step_grow(const double *s, double *e, double *b, const double *p, const KernelConstants *k, double d0, double d1, double dt, double t0, double t1, int slope) {
  if (slope) cell_integrate_tangent(s, e, b, p, k, d0, d1, dt, t0, t1);
  else cell_integrate(s, e, p, k, d0, d1, dt);
}

/* The heat and the SEI drive at e, with (slope) their derivatives along b, the current and riseT. */
static void step_predictor(const double *e, const double *b, const double *p, const KernelConstants *k, double I, double rise, double riseT, int slope,
                           EvaluatePredictorTangentOutputs *out) {
  if (slope) {
    cell_evaluate_predictor_tangent(e, b, p, k, I, rise, riseT, out);
    return;
  }
  EvaluatePredictorOutputs plain;
  cell_evaluate_predictor(e, p, k, I, rise, &plain);
  out->heat = plain.heat;
  out->seiDrive = plain.seiDrive;
  out->heatTangent = 0.0;
  out->seiDriveTangent = 0.0;
}

/* A step from s at current I over dt with external heat q, from the prepared parts: end state to e (b: with SEI growth
 * and `slope`, the SEI's tangent is written into it). `aging`: SEI growth on. */
static void step_finish(const double *s, const double *a, double *b, double *e, const double *p, const KernelConstants *k,
                        double I, double dt, double q, int lumped, int aging, int slope, StepResult *r) {
  EvaluateTangentOutputs ev;
  EvaluateStartTangentOutputs start;
  ThermalOutputs th;
  cell_apply(a, b, e, p, k, I);
  const double rise0 = s[S_TEMPERATURE_RISE];
  /* An ageing step needs the SEI drive at the start too. */
  start.seiDrive = 0.0;
  start.seiDriveTangent = 0.0;
  start.heatTangent = 0.0;
  if (aging && slope) cell_evaluate_start_tangent(s, p, k, I, rise0, 0.0, &start);
  else if (aging) {
    EvaluateStartOutputs plain;
    cell_evaluate_start(s, p, k, I, rise0, &plain);
    start.voltage = plain.voltage;
    start.heat = plain.heat;
    start.surfaceOcv = plain.surfaceOcv;
    start.seiDrive = plain.seiDrive;
  } else if (slope) {
    EvaluateCurrentTangentOutputs plain;
    cell_evaluate_current_tangent(s, p, k, I, rise0, 0.0, &plain);
    start.voltage = plain.voltage;
    start.heat = plain.heat;
    start.surfaceOcv = plain.surfaceOcv;
    start.heatTangent = plain.heatTangent;
  } else {
    EvaluateOutputs plain;
    cell_evaluate(s, p, k, I, rise0, &plain);
    start.voltage = plain.voltage;
    start.heat = plain.heat;
    start.surfaceOcv = plain.surfaceOcv;
  }
  r->voltageStart = start.voltage;
  r->ocvStart = start.surfaceOcv;
  double rise1 = rise0, rise1T = 0.0;
  EvaluatePredictorTangentOutputs mid;
  if (lumped) {
    /* Heun: predict the end temperature with the start heat, evaluate the end heat there, then average. */
    cell_thermal(p, k, rise0, start.heat + q, dt, &th);
    const double risePredicted = th.rise, risePredictedT = th.riseTangent * start.heatTangent;
    double midHeat, midHeatT = 0.0;
    if (aging) {
      /* The SEI is predicted with the start drive; its drive at the predicted end comes with the end heat. */
      step_grow(s, e, b, p, k, start.seiDrive, start.seiDrive, dt, start.seiDriveTangent, start.seiDriveTangent, slope);
      step_predictor(e, b, p, k, I, risePredicted, risePredictedT, slope, &mid);
      midHeat = mid.heat;
      midHeatT = mid.heatTangent;
    } else if (slope) {
      /* The predictor needs the heat alone (no OCPs: the heat-only kernels). */
      EvaluateHeatTangentOutputs mid;
      cell_evaluate_heat_tangent(e, b, p, k, I, risePredicted, risePredictedT, &mid);
      midHeat = mid.heat;
      midHeatT = mid.heatTangent;
    } else {
      EvaluateHeatOutputs mid;
      cell_evaluate_heat(e, p, k, I, risePredicted, &mid);
      midHeat = mid.heat;
    }
    const double heat = 0.5 * (start.heat + midHeat);
    const double heatT = slope ? 0.5 * (start.heatTangent + midHeatT) : 0.0;
    cell_thermal(p, k, rise0, heat + q, dt, &th);
    rise1 = th.rise;
    rise1T = th.riseTangent * heatT;
    r->heat = heat * dt;
    r->cooling = th.cooling;
    if (aging) step_grow(s, e, b, p, k, start.seiDrive, mid.seiDrive, dt, start.seiDriveTangent, mid.seiDriveTangent, slope);
  } else if (aging) {
    /* SEI: predicted with the start drive, corrected with the drive at the predicted end. */
    step_grow(s, e, b, p, k, start.seiDrive, start.seiDrive, dt, start.seiDriveTangent, start.seiDriveTangent, slope);
    step_predictor(e, b, p, k, I, rise0, 0.0, slope, &mid);
    step_grow(s, e, b, p, k, start.seiDrive, mid.seiDrive, dt, start.seiDriveTangent, mid.seiDriveTangent, slope);
  }
  end_evaluation(e, b, p, k, I, rise1, rise1T, slope, &ev);
  if (!lumped) {
    r->heat = 0.5 * (start.heat + ev.heat) * dt;
    r->cooling = r->heat;
  }
  e[S_TEMPERATURE_RISE] = rise1;
  r->voltage = ev.voltage;
  r->slope = slope ? ev.voltageTangent : NAN;
  r->ocvEnd = ev.surfaceOcv;
}
#endif
