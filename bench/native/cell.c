/*
 * Native C yardstick for bench/wasm.ts: the same numerical scheme as src/model/cell.ts + src/pack/simulate.ts for a
 * 1s1p pack on a constant-current discharge (modal particle diffusion with the quasi-steady tail, Heun thermal step
 * with the exact cooling exponential, finite-difference slope on the first step, cut-off located by Illinois on the
 * sub-step length, energy/capacity/heat bookkeeping). Scalar f64 with the C library's exp/tanh/asinh/expm1.
 * No entropic term (Chen2020 has none), lumped thermal only.
 *
 * Input (binary f64 file, written by bench/wasm.ts):
 *   K, count, refT, tail, timeStep, current, duration, lowerCutoff,
 *   nNeg, ocpNeg[nNeg], nPos, ocpPos[nPos], eig[K], params[count * 20] (cell-major, src/model/layout.ts order)
 * Usage: cell <input> <repeats>. Prints: seconds cellSteps capacitySumAh durationSumS
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CAP_N, CAP_P, TAU_N, TAU_P, EAD_N, EAD_P, K0_N, K0_P, EAK_N, EAK_P, R_CONTACT, R_COLL, HEAT_CAP, HA, T_AMB, X0, Y0, T0, X_EMPTY, X_FULL, NPAR };

#define GAS 8.314462618
#define FARADAY 96485.33212
#define MAXK 64

static int K;
static double refT, tailC, eig[MAXK];
static const double *ocpN, *ocpP;

static double series(const double *f, double s) {
  double u = f[0] + f[1] * s;
  int ne = (int)f[2], nt = (int)f[3], q = 4;
  for (int i = 0; i < ne; i++, q += 2) u += f[q] * exp(f[q + 1] * s);
  for (int i = 0; i < nt; i++, q += 3) u += f[q] * tanh(f[q + 1] * (s - f[q + 2]));
  return u;
}
static double ocp(const double *f, double x) {
  double s = fmin(fmax(x, 1e-10), 1 - 1e-10);
  return series(f, s) + 1e-6 * (1 / s + 1 / (s - 1));
}
static double clip(double s, double e) { return s < e ? e : s > 1 - e ? 1 - e : s; }
static double rate(double tau, double ea, double T) { return ea == 0 ? 1 / tau : exp(ea * (1 / refT - 1 / T)) / tau; }

typedef struct { double v, heat, ocv; } Eval;

static Eval evaluate(const double *s, const double *p, double I, double T) {
  double sn = 0, sp = 0;
  for (int m = 0; m < K; m++) { sn += s[3 + m]; sp += s[3 + K + m]; }
  double gN = I / (3600 * p[CAP_N]), gP = -I / (3600 * p[CAP_P]);
  double xs = s[0] + sn - tailC * gN / rate(p[TAU_N], p[EAD_N], T);
  double ys = s[1] + sp - tailC * gP / rate(p[TAU_P], p[EAD_P], T);
  double uN = ocp(ocpN, xs), uP = ocp(ocpP, ys);
  double inv = 1 / refT - 1 / T;
  double cn = clip(xs, 1e-8), cp = clip(ys, 1e-8);
  double i0n = p[K0_N] * exp(p[EAK_N] * inv) * sqrt(cn * (1 - cn));
  double i0p = p[K0_P] * exp(p[EAK_P] * inv) * sqrt(cp * (1 - cp));
  double vt = 2 * GAS * T / FARADAY;
  double en = vt * asinh(I / i0n), ep = vt * asinh(-I / i0p);
  Eval e = { uP - uN + ep - en - I * p[R_CONTACT], I * (en - ep) + I * I * (p[R_CONTACT] + p[R_COLL]), uP - uN };
  return e;
}

static void particles(double *s, const double *p, double I, double dt) {
  double T = refT + s[2];
  double gN = I / (3600 * p[CAP_N]), gP = -I / (3600 * p[CAP_P]);
  double rN = rate(p[TAU_N], p[EAD_N], T), rP = rate(p[TAU_P], p[EAD_P], T);
  s[0] -= gN * dt;
  s[1] -= gP * dt;
  for (int m = 0; m < K; m++) {
    double l = eig[m] * rN, t = -(2.0 / 3) * gN / l;
    s[3 + m] = t + (s[3 + m] - t) * exp(-l * dt);
    l = eig[m] * rP; t = -(2.0 / 3) * gP / l;
    s[3 + K + m] = t + (s[3 + K + m] - t) * exp(-l * dt);
  }
}

static double temperature(double *s, const double *p, double q, double dt) {
  double C = p[HEAT_CAP], hA = p[HA], r0 = s[2], r1;
  if (hA > 0) r1 = r0 + (p[T_AMB] - refT + q / hA - r0) * -expm1(-hA * dt / C);
  else r1 = r0 + q * dt / C;
  s[2] = r1;
  return q * dt - C * (r1 - r0);
}

typedef struct { double v, vStart, heatJ; } StepOut;

static StepOut step(double *s, const double *p, double I, double dt) {
  double T0 = refT + s[2];
  Eval a = evaluate(s, p, I, T0);
  particles(s, p, I, dt);
  double r0 = s[2];
  temperature(s, p, a.heat, dt);
  Eval b = evaluate(s, p, I, refT + s[2]);
  s[2] = r0;
  double q = 0.5 * (a.heat + b.heat);
  temperature(s, p, q, dt);
  Eval c = evaluate(s, p, I, refT + s[2]);
  StepOut o = { c.v, a.v, q * dt };
  return o;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: cell <input> <repeats>\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  double *d = malloc(bytes);
  if (fread(d, 1, bytes, f) != (size_t)bytes) return 2;
  fclose(f);
  int repeats = atoi(argv[2]);
  size_t q = 0;
  K = (int)d[q++];
  int count = (int)d[q++];
  refT = d[q++]; tailC = d[q++];
  double dtStep = d[q++], I = d[q++], duration = d[q++], lower = d[q++];
  int nn = (int)d[q++]; ocpN = d + q; q += nn;
  int np = (int)d[q++]; ocpP = d + q; q += np;
  for (int m = 0; m < K; m++) eig[m] = d[q++];
  const double *params = d + q;
  int L = 3 + 2 * K;
  double *state = malloc(L * sizeof(double)), *start = malloc(L * sizeof(double)), *trial = malloc(L * sizeof(double));
  double capSum = 0, durSum = 0, cellSteps = 0, slopeSum = 0;
  double t0 = now();
  for (int r = 0; r < repeats; r++) {
    for (int c = 0; c < count; c++) {
      const double *p = params + (size_t)c * NPAR;
      memset(state, 0, L * sizeof(double));
      state[0] = p[X0]; state[1] = p[Y0]; state[2] = p[T0] - refT;
      double time = 0, cap = 0, energy = 0, heat = 0, tMax = p[T0], vMin = evaluate(state, p, 0, p[T0]).v, slope = NAN;
      int steps = (int)ceil(duration / dtStep - 1e-9);
      for (int k = 1; k <= steps; k++) {
        double h = (k == steps ? duration : k * dtStep) - time;
        memcpy(start, state, L * sizeof(double));
        memcpy(trial, start, L * sizeof(double));
        StepOut o = step(trial, p, I, h);
        if (isnan(slope)) { /* finite-difference slope on the first step, as the reference */
          double *tmp = state; /* state == start here; reuse as scratch */
          memcpy(tmp, start, L * sizeof(double));
          StepOut oh = step(tmp, p, I + 1e-4, h);
          slope = (oh.v - o.v) / 1e-4;
          memcpy(state, start, L * sizeof(double));
        }
        double stepLen = h;
        int stop = 0;
        if (lower - o.v >= 0) {
          /* Illinois on the sub-step length: f(tau) = lower - V(tau); f(0) is the open-circuit voltage at the start. */
          double lo = 0, hi = h;
          double flo = lower - evaluate(start, p, 0, refT + start[2]).v;
          memcpy(trial, start, L * sizeof(double));
          double fhi = lower - step(trial, p, I, hi).v;
          double x = h;
          if (flo == 0) x = lo;
          else if (fhi == 0) x = hi;
          else if ((flo > 0) == (fhi > 0)) x = NAN;
          else {
            int side = 0;
            for (int i = 0; i < 100; i++) {
              x = (lo * fhi - hi * flo) / (fhi - flo);
              memcpy(trial, start, L * sizeof(double));
              double fx = lower - step(trial, p, I, x).v;
              if (fx == 0 || fabs(hi - lo) < 1e-12 * fmax(1, fabs(x))) break;
              if ((fx > 0) == (fhi > 0)) { hi = x; fhi = fx; if (side == -1) flo /= 2; side = -1; }
              else { lo = x; flo = fx; if (side == 1) fhi /= 2; side = 1; }
            }
          }
          stepLen = isfinite(x) && x > 0 ? x : h;
          memcpy(trial, start, L * sizeof(double));
          o = step(trial, p, I, stepLen);
          stop = 1;
        }
        memcpy(state, trial, L * sizeof(double));
        time += stepLen;
        cap += I * stepLen / 3600;
        energy += 0.5 * I * (o.vStart + o.v) * stepLen / 3600;
        heat += o.heatJ;
        tMax = fmax(tMax, refT + state[2]);
        vMin = fmin(vMin, o.v);
        cellSteps += 1;
        if (stop) break;
      }
      capSum += cap;
      durSum += time + 0 * (energy + heat + tMax + vMin);
      slopeSum += slope;
    }
  }
  double t1 = now();
  printf("%.6f %.0f %.12g %.12g\n", t1 - t0, cellSteps, capSum / repeats, durSum / repeats + 0 * slopeSum);
  return 0;
}
