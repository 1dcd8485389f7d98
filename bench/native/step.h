/*
 * The C step template around the generated kernels: the C copy of src/model/cell.ts (CellKernel.prepare / finish).
 * The model's kernels: kernel.generated.h (the SPM), or kernel-spme.generated.h with -DCELLSPREAD_SPME (both from
 * src/model/physics.ts; the same names). Used by the native yardstick (cell.c) and the kernel conformance suite
 * (test/kernels/conformance.c).
 */
#ifndef CELLSPREAD_STEP_H
#define CELLSPREAD_STEP_H
#ifdef CELLSPREAD_SPME
#include "kernel-spme.generated.h"
#else
#include "kernel.generated.h"
#endif

typedef struct {
  double voltage;      /* end voltage */
  double slope;        /* its exact dV/dI (NAN when not asked for) */
  double heat;         /* heat generated over the step [J] */
  double cooling;      /* heat removed by cooling [J] */
  double voltageStart; /* voltage at the start of the step with the step's current */
  double ocvStart;
  double ocvEnd;
  double terms[4];     /* heat terms over the step [J]: irreversible, reversible, electrolyte Ohmic, solid Ohmic */
  double minimum;      /* lowest c_e / c_e0 at the end (1 for the SPM) */
  double margin;       /* its margin to depletion */
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
  ev->heatIrreversible = plain.heatIrreversible;
  ev->heatReversible = plain.heatReversible;
  ev->heatOhmicElectrolyte = plain.heatOhmicElectrolyte;
  ev->heatOhmicSolid = plain.heatOhmicSolid;
  ev->voltageTangent = 0.0;
  ev->heatTangent = 0.0;
}

/* Each heat term over dt: the Heun average of its start and end values. */
static void step_terms(StepResult *r, const double start[4], double irreversible, double reversible, double electrolyte, double solid, double dt) {
  r->terms[0] = 0.5 * (start[0] + irreversible) * dt;
  r->terms[1] = 0.5 * (start[1] + reversible) * dt;
  r->terms[2] = 0.5 * (start[2] + electrolyte) * dt;
  r->terms[3] = 0.5 * (start[3] + solid) * dt;
}

/* The SEI growth of e from s and the drives (with `slope`, its derivative in the current into b). */
static void step_grow(const double *s, double *e, double *b, const double *p, const KernelConstants *k, double d0, double d1, double dt, double t0, double t1, int slope) {
  if (slope) cell_integrate_tangent(s, e, b, p, k, d0, d1, dt, t0, t1);
  else cell_integrate(s, e, p, k, d0, d1, dt);
}

/* The heat, its terms and the SEI drive at e, with (slope) their derivatives along b, the current and riseT. */
static void step_predictor(const double *e, const double *b, const double *p, const KernelConstants *k, double I, double rise, double riseT, int slope,
                           EvaluatePredictorTangentOutputs *out) {
  if (slope) {
    cell_evaluate_predictor_tangent(e, b, p, k, I, rise, riseT, out);
    return;
  }
  EvaluatePredictorOutputs plain;
  cell_evaluate_predictor(e, p, k, I, rise, &plain);
  out->heat = plain.heat;
  out->heatIrreversible = plain.heatIrreversible;
  out->heatReversible = plain.heatReversible;
  out->heatOhmicElectrolyte = plain.heatOhmicElectrolyte;
  out->heatOhmicSolid = plain.heatOhmicSolid;
  out->seiDrive = plain.seiDrive;
  out->heatTangent = 0.0;
  out->seiDriveTangent = 0.0;
}

/* A step from s at current I over dt with external heat q, from the prepared parts: end state to e (b: with `slope`,
 * the end state's whole derivative in I: the summaries' and, with SEI growth, the SEI's). `aging`: SEI growth on. */
static void step_finish(const double *s, const double *a, double *b, double *e, const double *p, const KernelConstants *k,
                        double I, double dt, double q, int lumped, int aging, int slope, StepResult *r) {
  EvaluateTangentOutputs ev;
  EvaluateStartTangentOutputs start;
  ThermalOutputs th;
  LimitsOutputs lim;
  /* With the slope, b becomes the end state's whole derivative in I (the summaries' too). */
  if (slope) cell_apply_tangent(a, b, e, p, k, I);
  else cell_apply(a, b, e, p, k, I);
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
    start.heatIrreversible = plain.heatIrreversible;
    start.heatReversible = plain.heatReversible;
    start.heatOhmicElectrolyte = plain.heatOhmicElectrolyte;
    start.heatOhmicSolid = plain.heatOhmicSolid;
    start.seiDrive = plain.seiDrive;
  } else if (slope) {
    EvaluateCurrentTangentOutputs plain;
    cell_evaluate_current_tangent(s, p, k, I, rise0, 0.0, &plain);
    start.voltage = plain.voltage;
    start.heat = plain.heat;
    start.surfaceOcv = plain.surfaceOcv;
    start.heatIrreversible = plain.heatIrreversible;
    start.heatReversible = plain.heatReversible;
    start.heatOhmicElectrolyte = plain.heatOhmicElectrolyte;
    start.heatOhmicSolid = plain.heatOhmicSolid;
    start.heatTangent = plain.heatTangent;
  } else {
    EvaluateOutputs plain;
    cell_evaluate(s, p, k, I, rise0, &plain);
    start.voltage = plain.voltage;
    start.heat = plain.heat;
    start.surfaceOcv = plain.surfaceOcv;
    start.heatIrreversible = plain.heatIrreversible;
    start.heatReversible = plain.heatReversible;
    start.heatOhmicElectrolyte = plain.heatOhmicElectrolyte;
    start.heatOhmicSolid = plain.heatOhmicSolid;
  }
  const double startTerms[4] = { start.heatIrreversible, start.heatReversible, start.heatOhmicElectrolyte, start.heatOhmicSolid };
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
      step_terms(r, startTerms, mid.heatIrreversible, mid.heatReversible, mid.heatOhmicElectrolyte, mid.heatOhmicSolid, dt);
    } else if (slope) {
      /* The predictor needs the heat alone (no OCPs: the heat-only kernels). */
      EvaluateHeatTangentOutputs h;
      cell_evaluate_heat_tangent(e, b, p, k, I, risePredicted, risePredictedT, &h);
      midHeat = h.heat;
      midHeatT = h.heatTangent;
      step_terms(r, startTerms, h.heatIrreversible, h.heatReversible, h.heatOhmicElectrolyte, h.heatOhmicSolid, dt);
    } else {
      EvaluateHeatOutputs h;
      cell_evaluate_heat(e, p, k, I, risePredicted, &h);
      midHeat = h.heat;
      step_terms(r, startTerms, h.heatIrreversible, h.heatReversible, h.heatOhmicElectrolyte, h.heatOhmicSolid, dt);
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
    step_terms(r, startTerms, ev.heatIrreversible, ev.heatReversible, ev.heatOhmicElectrolyte, ev.heatOhmicSolid, dt);
  }
  e[S_TEMPERATURE_RISE] = rise1;
  r->voltage = ev.voltage;
  r->slope = slope ? ev.voltageTangent : NAN;
  r->ocvEnd = ev.surfaceOcv;
  cell_limits(e, p, k, &lim);
  r->minimum = lim.electrolyteMinimum;
  r->margin = lim.depletionMargin;
}
#endif
