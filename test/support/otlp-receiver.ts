// An OTLP/HTTP trace receiver for the tracing tests: accepts POST /v1/traces
// (application/x-protobuf) and decodes ExportTraceServiceRequest with a small
// schema of our own over @bufbuild/protobuf's wire reader — only the fields
// the tests look at (trace/span/parent ids, name, kind, times, attributes,
// events, status); everything else is skipped.
import { createServer, type Server } from 'node:http';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  status: { code: number; message: string };
  serviceName: string;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/x-protobuf')) {
        res.writeHead(404).end();
        return;
      }
      try {
        spans.push(...decodeExportRequest(Buffer.concat(chunks)));
        // An empty ExportTraceServiceResponse: success.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

type Fields = (no: number, wt: WireType, r: BinaryReader) => boolean;

/** Reads a length-delimited message, handing each field to `f`; unhandled fields are skipped. */
function message(r: BinaryReader, f: Fields): void {
  const len = r.uint32(); // read first: the end is counted from after the length
  const end = r.pos + len;
  while (r.pos < end) {
    const [no, wt] = r.tag();
    if (!f(no, wt, r)) r.skip(wt, no);
  }
}

function top(bytes: Uint8Array, f: Fields): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!f(no, wt, r)) r.skip(wt, no);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function keyValue(r: BinaryReader, into: Record<string, string | number | boolean>): void {
  let key = '';
  let value: string | number | boolean = '';
  message(r, (no, _wt, rr) => {
    if (no === 1) key = rr.string();
    else if (no === 2) {
      // AnyValue: string 1, bool 2, int 3, double 4.
      message(rr, (vn, _vw, vr) => {
        if (vn === 1) value = vr.string();
        else if (vn === 2) value = vr.bool();
        else if (vn === 3) value = Number(vr.int64());
        else if (vn === 4) value = vr.double();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  into[key] = value;
}

export function decodeExportRequest(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  top(body, (no, _wt, r) => {
    if (no !== 1) return false; // resource_spans
    let serviceName = '';
    const spans: ReceivedSpan[] = [];
    message(r, (rn, _rw, rr) => {
      if (rn === 1) {
        // resource { attributes = 1 }
        const attrs: Record<string, string | number | boolean> = {};
        message(rr, (an, _aw, ar) => (an === 1 ? (keyValue(ar, attrs), true) : false));
        serviceName = String(attrs['service.name'] ?? '');
        return true;
      }
      if (rn !== 2) return false; // scope_spans
      message(rr, (sn, _sw, sr) => {
        if (sn !== 2) return false; // spans
        const s: ReceivedSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startNs: 0n, endNs: 0n, attributes: {}, events: [], status: { code: 0, message: '' }, serviceName: '' };
        message(sr, (f, _fw, fr) => {
          if (f === 1) s.traceId = hex(fr.bytes());
          else if (f === 2) s.spanId = hex(fr.bytes());
          else if (f === 4) s.parentSpanId = hex(fr.bytes());
          else if (f === 5) s.name = fr.string();
          else if (f === 6) s.kind = fr.int32();
          else if (f === 7) s.startNs = BigInt(fr.fixed64());
          else if (f === 8) s.endNs = BigInt(fr.fixed64());
          else if (f === 9) keyValue(fr, s.attributes);
          else if (f === 11) {
            const ev = { name: '', attributes: {} as Record<string, string | number | boolean> };
            message(fr, (en, _ew, er) => {
              if (en === 2) ev.name = er.string();
              else if (en === 3) keyValue(er, ev.attributes);
              else return false;
              return true;
            });
            s.events.push(ev);
          } else if (f === 15) {
            message(fr, (tn, _tw, tr) => {
              if (tn === 2) s.status.message = tr.string();
              else if (tn === 3) s.status.code = tr.int32();
              else return false;
              return true;
            });
          } else return false;
          return true;
        });
        spans.push(s);
        return true;
      });
      return true;
    });
    for (const s of spans) out.push({ ...s, serviceName });
    return true;
  });
  return out;
}
