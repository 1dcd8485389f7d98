/** Physical constants, CODATA 2018 exact values as used by PyBaMM. */
export const GAS_CONSTANT = 8.314462618; // J/(mol K)
export const FARADAY = 96485.33212; // C/mol
export const SECONDS_PER_HOUR = 3600;
