// Reads a Chromium performance trace with the trace engine of Chrome DevTools' Performance
// panel (npm @paulirish/trace_engine, which Lighthouse uses too): a trace reader gaia's
// authors did not write.
//
//   node read_trace.mjs FILE
// Prints, as JSON, what the panel makes of the page: the URL of each document its main
// frame loaded, the page's performance marks and the URLs of its network requests.
// Exits 1 if the engine cannot read the file.
import { analyzeTrace } from "@paulirish/trace_engine/analyze-trace.mjs";

try {
  const { parsedTrace } = await analyzeTrace(process.argv[2]);
  const data = parsedTrace.data ?? parsedTrace;
  console.log(JSON.stringify({
    navigations: data.Meta.mainFrameNavigations.map((e) => e.args.data.documentLoaderURL),
    marks: data.UserTimings.performanceMarks.map((e) => e.name),
    requests: data.NetworkRequests.byTime.map((e) => e.args.data.url),
  }));
} catch (e) {
  console.error(`${process.argv[2]}: ${e.stack ?? e}`);
  process.exit(1);
}
