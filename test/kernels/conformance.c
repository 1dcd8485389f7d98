/*
 * Kernel conformance in C: one step of each case through bench/native/step.h and the generated kernels, for
 * test/kernels/conformance.test.ts (compiled there with gcc). Input (f64, binary): count, modes, lumped,
 * referenceTemperature, tailCoefficient, eigenvalues[modes], then four series (ocpNeg, ocpPos, entropicNeg,
 * entropicPos) each as its length and flattened values, then per case: state[L], params[CELL_PARAMETER_COUNT], current,
 * dt, heat. Output (f64, binary, stdout): per case voltage, slope, heat, start voltage, end state[L].
 */
#include <stdio.h>
#include <stdlib.h>
#include "step.h"

static double *input;
static long at;
static double next(void) { return input[at++]; }
static const double *series(void) {
  const long n = (long)next();
  const double *f = input + at;
  at += n;
  return f;
}

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
  k.modes = (int)next();
  const int lumped = (int)next();
  k.referenceTemperature = next();
  k.tailCoefficient = next();
  k.eigenvalues = input + at;
  at += k.modes;
  k.ocpNeg = series();
  k.ocpPos = series();
  k.entropicNeg = series();
  k.entropicPos = series();
  const int L = cell_state_length(&k);
  double *a = malloc(L * sizeof(double)), *b = malloc(L * sizeof(double)), *e = malloc(L * sizeof(double));
  for (long i = 0; i < count; i++) {
    const double *s = input + at;
    const double *p = s + L;
    const double *in = p + CELL_PARAMETER_COUNT;
    at += L + CELL_PARAMETER_COUNT + 3;
    StepResult r;
    step_prepare(s, a, b, p, &k, in[1]);
    step_finish(s, a, b, e, p, &k, in[0], in[1], in[2], lumped, 1, &r);
    const double head[4] = { r.voltage, r.slope, r.heat, r.voltageStart };
    fwrite(head, sizeof(double), 4, stdout);
    fwrite(e, sizeof(double), L, stdout);
  }
  return 0;
}
