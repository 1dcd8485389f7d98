/*
 * Native C yardstick for bench/wasm.ts: 1s1p constant-current discharges through the generated kernels
 * (kernel.generated.h, from src/model/physics.ts) and the C step template (step.h), as the pack machines run a
 * single cell: each step prepared once (the modal decay factors kept while the step length is unchanged, as
 * assembly/step.ts prepareKept2 does), finished at the current; the cut-off located inside the step by Illinois on the
 * sub-step length; capacity, energy and heat bookkeeping. Scalar f64 with the C library's elementary functions.
 *
 * The model's kernels: the SPM's, or the SPMe's with -DCELLSPREAD_SPME (step.h).
 *
 * Input (binary f64 file, written by bench/wasm.ts):
 *   count, timeStep, current, duration, lowerCutoff, lumped, the study constants in definition order
 *   (src/kernels/configure.ts flattenKernelConstants), then params[count * CELL_PARAMETER_COUNT] (cell-major,
 *   src/model/physics.ts order)
 * Usage: cell <input> <repeats>. Prints: seconds cellSteps capacitySumAh durationSumS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "step.h"

static double *input;
static long at;
static double next(void) { return input[at++]; }

static KernelConstants k;
static int lumped, L;
static double *s, *a, *b, *e, *fk;
/* What the kept factors fk (and b) were computed for: step length (NaN: none), temperature rise, riseSensitive. */
static double keptDt, keptRise, keptSensitive;

/* step_prepare with the factors kept: cell_prepare_factors only when the step length changed, or the temperature
   changed and the factors depend on it; bit for bit what cell_prepare writes. */
static void prepare_kept(const double *p, double dt) {
  const double rise = s[S_TEMPERATURE_RISE];
  if (!(keptDt == dt && (keptSensitive == 0 || keptRise == rise))) {
    PrepareFactorsOutputs out;
    cell_prepare_factors(b, fk, p, &k, dt, rise, &out);
    keptDt = dt;
    keptRise = rise;
    keptSensitive = out.riseSensitive;
  }
  cell_prepare_start(s, fk, a, b, p, &k, dt, rise);
}

/* The end voltage minus the cut-off after a step of tau from s (the crossing's residual). */
static double excess(const double *p, double I, double tau, double cutoff, StepResult *r) {
  prepare_kept(p, tau);
  step_finish(s, a, b, e, p, &k, I, tau, 0.0, lumped, 0, 0, r);
  return cutoff - r->voltage;
}

/* One cell through a CC discharge to the cut-off; returns the capacity [A.h], adds the steps and the duration. */
static double discharge(const double *p, double I, double dt, double duration, double cutoff, double *steps, double *time) {
  cell_init(s, p, &k);
  keptDt = NAN;
  double t = 0, capacity = 0, energy = 0, heat = 0;
  const long n = (long)ceil(duration / dt - 1e-9);
  StepResult r;
  for (long j = 1; j <= n; j++) {
    const double h = (j == n ? duration : j * dt) - t;
    if (excess(p, I, h, cutoff, &r) >= 0) {
      /* Illinois on the sub-step length, as the pack machines locate a cut-off. */
      double lo = 0, hi = h, flo = -1, fhi = cutoff - r.voltage;
      /* f(0): the step of length 0 is the open-circuit solve, as in the pack machines. */
      { EvaluateOutputs ev; cell_evaluate(s, p, &k, 0.0, s[S_TEMPERATURE_RISE], &ev); flo = cutoff - ev.voltage; }
      double x = hi;
      int side = 0;
      for (int it = 0; it < TOL_MAX_ILLINOIS && flo < 0; it++) {
        x = (lo * fhi - hi * flo) / (fhi - flo);
        const double fx = excess(p, I, x, cutoff, &r);
        if (fx == 0 || fabs(hi - lo) < TOL_CROSSING * fmax(1, fabs(x))) break;
        if ((fx > 0) == (fhi > 0)) { hi = x; fhi = fx; if (side == -1) flo /= 2; side = -1; }
        else { lo = x; flo = fx; if (side == 1) fhi /= 2; side = 1; }
      }
      excess(p, I, x, cutoff, &r);
      capacity += I * x / 3600;
      energy += 0.5 * I * (r.voltageStart + r.voltage) * x / 3600;
      heat += r.heat;
      t += x;
      *steps += 1;
      break;
    }
    for (int i = 0; i < L; i++) s[i] = e[i];
    capacity += I * h / 3600;
    energy += 0.5 * I * (r.voltageStart + r.voltage) * h / 3600;
    heat += r.heat;
    t += h;
    *steps += 1;
  }
  *time += t;
  (void)energy;
  (void)heat;
  return capacity;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  const long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  input = malloc(bytes);
  if (fread(input, 1, bytes, f) != (size_t)bytes) return 2;
  fclose(f);
  const int repeats = atoi(argv[2]);
  const long count = (long)next();
  const double dt = next(), I = next(), duration = next(), cutoff = next();
  lumped = (int)next();
  const double *params = kernel_constants_read(&k, input + at);
  L = cell_state_length(&k);
  s = malloc(L * sizeof(double));
  a = malloc(L * sizeof(double));
  b = malloc(L * sizeof(double));
  e = malloc(L * sizeof(double));
  fk = malloc(L * sizeof(double));
  double steps = 0, capacity = 0, time = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < repeats; r++) {
    steps = capacity = time = 0;
    for (long c = 0; c < count; c++) capacity += discharge(params + c * CELL_PARAMETER_COUNT, I, dt, duration, cutoff, &steps, &time);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double seconds = (t1.tv_sec - t0.tv_sec + 1e-9 * (t1.tv_nsec - t0.tv_nsec)) / repeats;
  printf("%.9f %.0f %.12f %.6f\n", seconds, steps, capacity, time);
  return 0;
}
