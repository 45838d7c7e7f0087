// Validates Kubernetes manifests offline: every document of every file against the schema
// of its apiVersion and kind (kubernetes-models, generated from Kubernetes' OpenAPI, and
// the Prometheus Operator's CRDs). An unknown apiVersion/kind is an error too.
//
//   node validate_kubernetes.mjs FILE.yaml...
// Prints "FILE: Kind/name: ok" per document, or what is wrong; exits 1 if anything is.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const packages = {
  "monitoring.coreos.com/v1": (kind) => `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`,
};

function modulePath(apiVersion, kind) {
  if (packages[apiVersion]) return packages[apiVersion](kind);
  // core/v1 is "v1"; a group's version is "GROUP/VERSION".
  return `kubernetes-models/${apiVersion}/${kind}`;
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const documents = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d != null);
  if (documents.length === 0) {
    console.log(`${file}: no document`);
    failed = true;
  }
  for (const doc of documents) {
    const what = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    let Model;
    try {
      Model = (await import(modulePath(doc.apiVersion, doc.kind)))[doc.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      console.log(`${what}: no schema for apiVersion ${doc.apiVersion}, kind ${doc.kind}`);
      failed = true;
      continue;
    }
    try {
      new Model(doc).validate();
      console.log(`${what}: ok`);
    } catch (e) {
      console.log(`${what}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
