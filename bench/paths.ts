/** This file runs compiled, from bench/results/build/bench/: the repository root is four levels up. */
export const REPO_ROOT = new URL("../../../../", import.meta.url);
/** A full run's figures, committed and quoted by the README. */
export const RESULTS_FILE = new URL("bench/results/latest.json", REPO_ROOT);
/** A `--quick` run's (CI's smoke run): the same keys, never committed, so a smoke run cannot replace real figures. */
export const QUICK_RESULTS_FILE = new URL("bench/results/quick.json", REPO_ROOT);
export const PROFILES_DIR = new URL("bench/results/profiles/", REPO_ROOT);
