// Lints a Containerfile (Dockerfile syntax) with dockerfile-utils, the linter of the
// Dockerfile language server: unknown instructions and flags, malformed arguments,
// instructions that override each other, deprecated ones. (hadolint is neither in Debian
// nor usable from npm here: its npm wrapper downloads the binary from GitHub.)
//
//   node lint_containerfile.mjs FILE
// Prints "FILE:LINE: message" per problem; exits 1 if there is any.
import { readFileSync } from "node:fs";
import { validate } from "dockerfile-utils";

const file = process.argv[2];
const problems = validate(readFileSync(file, "utf8"));
for (const p of problems) console.log(`${file}:${p.range.start.line + 1}: ${p.message}`);
process.exit(problems.length ? 1 : 0);
