import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "off",
    },
  },
  {
    // The store's write primitive is the writer's alone, so every write goes through its rules (order, merge,
    // conditions, fence, outbox) and names what it changed. The stores and their contract tests are its other side.
    files: ["**/*.ts"],
    ignores: ["src/writer/**", "src/store/**", "test/store/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...["MemberExpression[property.name='applyWrites']", "MemberExpression[property.value='applyWrites']", "Property[key.name='applyWrites']"].map(
          (selector) => ({
            selector,
            message: "Only the writer (src/writer/) calls Store.applyWrites: hand what was fetched to StoreWriter, which decides how it is stored.",
          }),
        ),
      ],
    },
  },
);
