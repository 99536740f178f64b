// warc-check.mjs reads a WARC file with webrecorder's warcio.js (whose
// module path is the first argument) and recomputes every record's
// WARC-Block-Digest and every response's WARC-Payload-Digest (SHA-256, as
// annals writes them). It prints {"records": N, "types": {...}, "bad": [...]}.
//
// Usage: node warc-check.mjs path/to/warcio/dist/index.js FILE.warc.gz
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";

const [, , warcioPath, file] = process.argv;
const { WARCParser } = await import(warcioPath);

const digest = (b) => "sha256:" + createHash("sha256").update(b).digest("hex");
const result = { records: 0, types: {}, bad: [] };

// First pass: whole blocks, for the block digests; second pass: HTTP
// parsed, for the payload digests of responses.
for (const parseHttp of [false, true]) {
  const parser = new WARCParser(createReadStream(file), { parseHttp });
  for await (const record of parser) {
    const type = record.warcType;
    const data = await record.readFully(false);
    if (!parseHttp) {
      result.records++;
      result.types[type] = (result.types[type] || 0) + 1;
      const want = record.warcHeader("WARC-Block-Digest");
      if (!want) {
        result.bad.push(`${type} ${record.warcTargetURI}: no WARC-Block-Digest`);
      } else if (want !== digest(data)) {
        result.bad.push(`${type} ${record.warcTargetURI}: block digest ${want}, computed ${digest(data)}`);
      }
    } else if (type === "response") {
      const want = record.warcHeader("WARC-Payload-Digest");
      if (want !== digest(data)) {
        result.bad.push(`response ${record.warcTargetURI}: payload digest ${want}, computed ${digest(data)}`);
      }
    }
  }
}
console.log(JSON.stringify(result));
