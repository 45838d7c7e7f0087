// deploy/kubernetes, without a cluster: every manifest validated offline against the
// Kubernetes (and Prometheus Operator) schemas by tests/deploy/validate_kubernetes.mjs, the
// manifests' references checked against each other, and the Indexed Job's shard arithmetic
// checked by running its container command once per index, locally, with the environment
// Kubernetes gives each pod, then the merge Job's command over what they wrote.

#include "tests/support/deploy_tools.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

using namespace gaia::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kManifests = fs::path(GAIA_SOURCE_DIR) / "deploy/kubernetes";

// Every document of a YAML file, as JSON (Debian's python3-yaml reads it).
std::vector<json> documents(const fs::path& file) {
    const auto out = run_program({"/usr/bin/python3", "-c",
                                  "import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], sys.stdout)",
                                  file.string()});
    REQUIRE_MESSAGE(out.exit_code == 0, out.err);
    return json::parse(out.out).get<std::vector<json>>();
}

json find(const std::string& file, const std::string& kind) {
    for (auto& d : documents(kManifests / file)) {
        if (d["kind"] == kind) return d;
    }
    FAIL("no " << kind << " in " << file);
    return {};
}

// $(NAME) in a container's command and args, as the kubelet expands it; $$ is a dollar.
std::string expand(const std::string& text, const std::map<std::string, std::string>& env) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "$$") == 0) {
            out += '$';
            ++i;
        } else if (text.compare(i, 2, "$(") == 0 && text.find(')', i) != std::string::npos) {
            const auto end = text.find(')', i);
            const auto name = text.substr(i + 2, end - i - 2);
            out += env.count(name) ? env.at(name) : text.substr(i, end - i + 1);
            i = end;
        } else {
            out += text[i];
        }
    }
    return out;
}

// A path inside the pod, on this machine: the volumes' mount paths under `root`.
std::string local(std::string text, const fs::path& root) {
    for (const std::string mount : {"/etc/gaia/jobs", "/reports"}) {
        const auto there = (root / mount.substr(1)).string();
        for (auto at = text.find(mount); at != std::string::npos; at = text.find(mount, at + there.size())) {
            text.replace(at, mount.size(), there);
        }
    }
    return text;
}

std::map<std::string, std::string> env_of(const json& container) {
    std::map<std::string, std::string> env;
    for (const auto& e : container.value("env", json::array())) env[e["name"].get<std::string>()] = e["value"].get<std::string>();
    return env;
}

bool labels_match(const json& selector, const json& labels) {
    for (const auto& [key, value] : selector.items()) {
        if (!labels.contains(key) || labels[key] != value) return false;
    }
    return !selector.empty();
}

}  // namespace

TEST_CASE("every Kubernetes manifest is valid against the Kubernetes and Prometheus Operator schemas") {
    if (const auto why = deploy_tools_unavailable(); !why.empty()) {
        report_skipped(why);
        return;
    }
    const auto script = deploy_tool("validate_kubernetes.mjs");
    std::vector<std::string> args = {"node", script};
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(kManifests)) {
        if (entry.path().extension() == ".yaml") {
            args.push_back(entry.path().string());
            ++files;
        }
    }
    CHECK(files == 7);
    const auto out = run_program(args);
    INFO(out.out, out.err);
    CHECK(out.exit_code == 0);
    for (const char* kind : {"ConfigMap/gaia-jobs", "Job/gaia-shards", "Job/gaia-merge", "CronJob/gaia-nightly",
                             "Deployment/gaia-serve", "Service/gaia", "PersistentVolumeClaim/gaia-reports",
                             "PersistentVolumeClaim/gaia-state", "ServiceMonitor/gaia", "PodMonitor/gaia"}) {
        CHECK(out.out.find(std::string(kind) + ": ok") != std::string::npos);
    }

    // The validator does refuse what Kubernetes would.
    TempDir dir;
    const auto broken = dir.file("broken.yaml", R"(apiVersion: batch/v1
kind: Job
metadata:
  name: broken
spec:
  completionMode: Sometimes
  template:
    spec:
      containers:
        - image: gaia:0.1.0
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: broken
spec:
  podMetricsEndpoints: "every pod"
---
apiVersion: example.com/v1
kind: Gadget
metadata:
  name: unknown
)");
    const auto refused = run_program({"node", script, broken});
    INFO(refused.out);
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find("Job/broken: data/spec/completionMode must be equal to one of the allowed values") != std::string::npos);
    CHECK(refused.out.find("data/spec/template/spec/containers/0 must have required property name") != std::string::npos);
    CHECK(refused.out.find("data/spec/podMetricsEndpoints must be array") != std::string::npos);
    CHECK(refused.out.find("Gadget/unknown: no schema") != std::string::npos);
}

TEST_CASE("the Kubernetes manifests agree with each other and with gaia's options") {
    const auto shards = find("indexed-job.yaml", "Job");
    const auto merge = find("merge-job.yaml", "Job");
    const auto& shard_pod = shards["spec"]["template"]["spec"];
    CHECK(shards["spec"]["completionMode"] == "Indexed");
    // GAIA_SHARD_COUNT must be the Job's completions, in the shards and in the merge's wait.
    const auto completions = std::to_string(shards["spec"]["completions"].get<int>());
    CHECK(env_of(shard_pod["containers"][0])["GAIA_SHARD_COUNT"] == completions);
    CHECK(env_of(merge["spec"]["template"]["spec"]["initContainers"][0])["GAIA_SHARD_COUNT"] == completions);

    const auto cron = find("cronjob.yaml", "CronJob");
    CHECK(cron["spec"]["concurrencyPolicy"] == "Forbid");
    const auto cron_args = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"];
    CHECK(std::find(cron_args.begin(), cron_args.end(), "--quiet-success") != cron_args.end());

    const auto deployment = find("serve.yaml", "Deployment");
    const auto service = find("serve.yaml", "Service");
    const auto& pod = deployment["spec"]["template"];
    const auto& serve = pod["spec"]["containers"][0];
    CHECK(serve["livenessProbe"]["httpGet"]["path"] == "/liveness");
    CHECK(serve["readinessProbe"]["httpGet"]["path"] == "/readiness");
    CHECK(serve["ports"][0]["name"] == "http");
    CHECK(std::find(serve["args"].begin(), serve["args"].end(), "--watch") != serve["args"].end());
    CHECK(labels_match(deployment["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]));
    CHECK(labels_match(service["spec"]["selector"], pod["metadata"]["labels"]));
    CHECK(find("monitoring.yaml", "ServiceMonitor")["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]);
    CHECK(labels_match(find("monitoring.yaml", "ServiceMonitor")["spec"]["selector"]["matchLabels"], service["metadata"]["labels"]));
    CHECK(labels_match(find("monitoring.yaml", "PodMonitor")["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]));

    // Every job file the workloads name is in the ConfigMap, and is a valid job file.
    const auto config = find("configmap.yaml", "ConfigMap");
    TempDir dir;
    for (const auto& item : config["data"].items()) {
        const std::string name = item.key();  // a copy: doctest's macros capture it in a lambda
        const auto out = run_gaia({"validate", dir.file(name, item.value().get<std::string>())});
        CHECK_MESSAGE(out.exit_code == 0, name, out.err);
    }
    for (const auto& args : {shard_pod["containers"][0]["args"], cron_args, serve["args"]}) {
        const std::string file = args.back();
        CHECK(file.rfind("/etc/gaia/jobs/", 0) == 0);
        CHECK(config["data"].contains(file.substr(std::string("/etc/gaia/jobs/").size())));
    }

    // The plain-Prometheus example: Debian's promtool is built without Kubernetes discovery,
    // so it checks the rest of the scrape job (relabelling included) with the discovery
    // replaced by a static target.
    auto sd = read_file(kManifests / "prometheus-kubernetes-sd.yml");
    CHECK(sd.find("kubernetes_sd_configs:\n      - role: pod") != std::string::npos);
    sd = std::regex_replace(sd, std::regex("kubernetes_sd_configs:\n      - role: pod"),
                            "static_configs:\n      - targets: [\"127.0.0.1:9190\"]");
    const auto check = run_program({"promtool", "check", "config", dir.file("prometheus.yml", sd)});
    CHECK_MESSAGE(check.exit_code == 0, check.out, check.err);
}

TEST_CASE("the Indexed Job's command, run once per index with the pods' environment, covers every instance once") {
    const auto shards = find("indexed-job.yaml", "Job");
    const auto merge = find("merge-job.yaml", "Job");
    const auto& container = shards["spec"]["template"]["spec"]["containers"][0];
    const int n = shards["spec"]["completions"];
    TempDir root;
    fs::create_directories(root.path() / "etc/gaia/jobs");
    fs::create_directories(root.path() / "reports");
    // The pods' job file, with the fan-outs the Job splits (the ConfigMap's example calls a
    // cluster's service): 1,000 and 7 instances, and a setup step every shard runs.
    std::ofstream(root.path() / "etc/gaia/jobs" / fs::path(container["args"].back().get<std::string>()).filename())
        << "name = \"batch\"\n[jobs.setup]\nkind = \"process\"\ncommand = [\"true\"]\n"
           "[jobs.process]\nkind = \"process\"\nneeds = [\"setup\"]\nrepeat = 1000\n"
           "command = [\"sh\", \"-c\", \"echo {{ index }}\"]\ncapture.out = \"stdout\"\n"
           "[jobs.seven]\nkind = \"process\"\nfor_each = [1, 2, 3, 4, 5, 6, 7]\ncommand = [\"true\"]\n";
    for (int index = 0; index < n; ++index) {
        // What the Job controller adds to each pod, then the manifest's own variables.
        auto env = env_of(container);
        env["JOB_COMPLETION_INDEX"] = std::to_string(index);
        std::vector<std::string> args, environment;
        for (const auto& arg : container["args"]) args.push_back(local(expand(arg, env), root.path()));
        for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
        const auto out = run_gaia(args, "", environment);
        INFO(index, out.err);
        REQUIRE(out.exit_code == 0);
        CHECK(out.err.find("shard " + std::to_string(index + 1) + "/" + std::to_string(n) + " (Kubernetes") != std::string::npos);
    }
    // The merge Job's command, with gaia on PATH as in the image.
    fs::create_directories(root.path() / "bin");
    fs::create_symlink(GAIA_BINARY, root.path() / "bin/gaia");
    const auto& merge_container = merge["spec"]["template"]["spec"]["containers"][0];
    std::vector<std::string> command;
    for (const auto& part : merge_container["command"]) command.push_back(local(part, root.path()));
    const auto merged = run_program(command, "", {"PATH=" + (root.path() / "bin").string() + ":/usr/bin:/bin"});
    INFO(merged.out, merged.err);
    REQUIRE(merged.exit_code == 0);
    CHECK(merged.out.find("run batch: passed (" + std::to_string(n) + " shards merged)") != std::string::npos);

    // Every instance ran in exactly one pod: the merged capture has each index's own value.
    const auto report = json::parse(read_file(root.path() / "reports/merged.json"));
    const auto& out = report["jobs"][1]["captures"]["out"];
    REQUIRE(out.size() == 1000);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK_MESSAGE(out[i] == std::to_string(i), "instance ", i);
    CHECK(report["jobs"][1]["instances"] == 1000);
    CHECK(report["jobs"][2]["instances"] == 7);
    std::uint64_t sum = 0;
    for (int index = 0; index < n; ++index) {
        const auto shard = json::parse(read_file(root.path() / ("reports/shard-" + std::to_string(index) + ".json")));
        CHECK(shard["run"]["shard"] == std::to_string(index + 1) + "/" + std::to_string(n));
        sum += shard["jobs"][1]["instances"].get<std::uint64_t>();
    }
    CHECK(sum == 1000);
    CHECK(fs::exists(root.path() / "reports/merged.prom"));
}
