/** This file runs compiled, from bench/results/build/bench/: the repository root is four levels up. */
export const REPO_ROOT = new URL("../../../../", import.meta.url);
export const RESULTS_FILE = new URL("bench/results/latest.json", REPO_ROOT);
export const PROFILES_DIR = new URL("bench/results/profiles/", REPO_ROOT);
