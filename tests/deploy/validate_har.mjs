// Validates HAR files against the HAR 1.2 schema with har-validator (the schema of
// ahmadnassri/har-schema, read by ajv): a HAR reader gaia's authors did not write.
//
//   node validate_har.mjs FILE...
// Prints "FILE: PATH message" per problem, or "FILE: valid"; exits 1 if any is invalid.
import { readFileSync } from "node:fs";
import validate from "har-validator";

let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    await validate.har(JSON.parse(readFileSync(file, "utf8")));
    console.log(`${file}: valid`);
  } catch (e) {
    failed = true;
    for (const problem of e.errors ?? [{ dataPath: "", message: e.message }]) {
      console.log(`${file}: ${problem.dataPath} ${problem.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
