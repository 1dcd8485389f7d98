/*
 * Kernel conformance in C: one step of each case through bench/native/step.h and the generated kernels of a model
 * (-DCELLSPREAD_SPME for the SPMe), for test/kernels/conformance.test.ts (compiled there with gcc). Input (f64,
 * binary): count, lumped, aging, the study constants in definition order (src/kernels/configure.ts
 * flattenKernelConstants), then per case: state[L], params[CELL_PARAMETER_COUNT], current, dt, heat. Output (f64,
 * binary, stdout): per case voltage, slope, heat, start voltage, the four heat terms, the depletion margin, end state[L].
 */
#include <stdio.h>
#include <stdlib.h>
#include "step.h"

static double *input;
static long at;
static double next(void) { return input[at++]; }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  const long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  input = malloc(bytes);
  if (fread(input, 1, bytes, f) != (size_t)bytes) return 2;
  fclose(f);
  const long count = (long)next();
  KernelConstants k;
  const int lumped = (int)next();
  const int aging = (int)next();
  at = kernel_constants_read(&k, input + at) - input;
  const int L = cell_state_length(&k);
  double *a = malloc(L * sizeof(double)), *b = malloc(L * sizeof(double)), *e = malloc(L * sizeof(double));
  for (long i = 0; i < count; i++) {
    const double *s = input + at;
    const double *p = s + L;
    const double *in = p + CELL_PARAMETER_COUNT;
    at += L + CELL_PARAMETER_COUNT + 3;
    StepResult r;
    step_prepare(s, a, b, p, &k, in[1]);
    step_finish(s, a, b, e, p, &k, in[0], in[1], in[2], lumped, aging, 1, &r);
    const double head[9] = { r.voltage, r.slope, r.heat, r.voltageStart, r.terms[0], r.terms[1], r.terms[2], r.terms[3], r.margin };
    fwrite(head, sizeof(double), 9, stdout);
    fwrite(e, sizeof(double), L, stdout);
  }
  return 0;
}
