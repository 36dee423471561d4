// Delivery statistics for an app or one endpoint: attempts and latency per bucket over the last
// hour, day or week (uPlot charts), the range's totals and its failure reasons.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, enc } from "../api.js";
import { useLoad } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { Fact, Loading, Table } from "../ui.jsx";

const RANGES = [
  ["Last hour", 3600],
  ["Last day", 86400],
  ["Last week", 7 * 86400],
];
const REASONS = [
  ["timeout", "Timeout"],
  ["network", "Network error"],
  ["http4xx", "HTTP 4xx"],
  ["http5xx", "HTTP 5xx"],
  ["other", "Other"],
];
const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

// "98.5% of 200", or "—" without attempts.
export function successRate(c) {
  const total = c ? c.succeeded + c.failed : 0;
  return total ? `${Number(((100 * c.succeeded) / total).toFixed(1))}% of ${total}` : "—";
}

// The response's buckets as uPlot columns, every bucket of the range: counts 0 and latency null
// (a gap) where the API has none.
function columns(s) {
  const byStart = new Map(s.data.map((d) => [Date.parse(d.start) / 1000, d]));
  const cols = [[], [], [], [], []];
  for (let t = Date.parse(s.since) / 1000; t < Date.parse(s.until) / 1000; t += s.interval) {
    const d = byStart.get(t);
    [t, d?.succeeded ?? 0, d?.failed ?? 0, d?.latencyP50Ms ?? null, d?.latencyP99Ms ?? null].forEach((v, i) => cols[i].push(v));
  }
  return cols;
}

// The y axis from 0 to a little above the highest value (1 when there is none).
const fromZero = (u, min, max) => [0, Math.max(max || 0, 1) * 1.1];

// One uPlot chart as wide as its container.
function Chart({ title, data, series, unit }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    const size = () => ({ width: Math.max(el.clientWidth, 200), height: 220 });
    const plot = new uPlot(
      { ...size(), series: [{}, ...series], axes: [{}, { label: unit, size: 60 }], scales: { y: { range: fromZero } } },
      data,
      el,
    );
    let width = el.clientWidth;
    const observer = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      requestAnimationFrame(() => plot.setSize(size()));
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={ref} />
    </figure>
  );
}

export function DeliveryStats({ appId, endpointId }) {
  const [range, setRange] = useState(RANGES[0]);
  const stats = useLoad(() => {
    const q = new URLSearchParams({ since: rfc3339(Date.now() - range[1] * 1000) });
    if (endpointId) q.set("endpoint_id", endpointId);
    return api("GET", `/app/${enc(appId)}/stats/delivery?${q}`).then((s) => ({ ...s, columns: columns(s) }));
  }, [appId, endpointId, range]);
  return (
    <section aria-labelledby="delivery-stats" class="stats">
      <h2 id="delivery-stats">Delivery statistics</h2>
      <div class="actions" role="group" aria-label="Range">
        {RANGES.map((r) => (
          <button
            type="button"
            key={r[0]}
            aria-pressed={r === range}
            class={r === range ? "primary" : undefined}
            onClick={() => setRange(r)}
          >
            {r[0]}
          </button>
        ))}
        <button type="button" onClick={stats.reload}>
          Reload statistics
        </button>
      </div>
      <Loading state={stats}>
        {(s) => {
          const t = s.total;
          return (
            <>
              <dl class="facts totals">
                <Fact term="Succeeded">{t.succeeded}</Fact>
                <Fact term="Failed">{t.failed}</Fact>
                <Fact term="Success rate">{successRate(t)}</Fact>
                <Fact term="Per point">{s.interval >= 3600 ? `${s.interval / 3600} h` : `${s.interval / 60} min`}</Fact>
              </dl>
              <div class="charts">
                <Chart
                  title="Attempts"
                  unit="attempts"
                  data={s.columns.slice(0, 3)}
                  series={[
                    { label: "Succeeded", stroke: "#1b7a3d", fill: "rgba(27,122,61,0.1)" },
                    { label: "Failed", stroke: "#b42318", fill: "rgba(180,35,24,0.1)" },
                  ]}
                />
                <Chart
                  title="Latency"
                  unit="ms"
                  data={[s.columns[0], s.columns[3], s.columns[4]]}
                  series={[
                    { label: "p50", stroke: "#1f5fbf", points: { show: true, size: 5 } },
                    { label: "p99", stroke: "#8a5a00", points: { show: true, size: 5 } },
                  ]}
                />
              </div>
              <h3>Failure reasons</h3>
              <Table
                class="failures"
                items={REASONS}
                columns={["Reason", "Failed attempts"]}
                row={([key, label]) => (
                  <tr key={key}>
                    <td>{label}</td>
                    <td>{t.failures[key]}</td>
                  </tr>
                )}
              />
            </>
          );
        }}
      </Loading>
    </section>
  );
}

export function Stats({ appId }) {
  return (
    <>
      <AppHeader appId={appId} current="stats" />
      <DeliveryStats appId={appId} />
    </>
  );
}
