// Inbox sources (admin) and the requests each received.
import { api, enc } from "../api.js";
import { useLoad, usePaged } from "../hooks.js";
import { Fact, Loading, PagedTable, Title, mapText, time } from "../ui.jsx";

export function Sources() {
  const sources = usePaged(() => "/ingest/api/v1/source?limit=100", []);
  return (
    <>
      <Title>Inbox sources</Title>
      <PagedTable
        state={sources}
        label="sources"
        class="sources"
        empty="No inbox sources."
        columns={["Name", "Type", "Ingest URL", "Created"]}
        row={(s) => (
          <tr key={s.id}>
            <td>
              <a href={`#/source/${enc(s.id)}`}>{s.name}</a>
            </td>
            <td>{s.type}</td>
            <td class="url mono">{s.ingestUrl}</td>
            <td>{time(s.createdAt)}</td>
          </tr>
        )}
      />
    </>
  );
}

export function Source({ sourceId }) {
  const path = `/ingest/api/v1/source/${enc(sourceId)}`;
  const source = useLoad(() => api("GET", path), [path]);
  const requests = usePaged(() => `${path}/request?limit=50`, [path]);
  return (
    <>
      <Title>{source.data ? source.data.name : sourceId}</Title>
      <p>
        <a href="#/sources">All inbox sources</a>
      </p>
      <Loading state={source}>
        {(s) => (
          <dl class="facts">
            <Fact term="ID" mono>
              {s.id}
            </Fact>
            <Fact term="UID">{s.uid}</Fact>
            <Fact term="Type">{s.type}</Fact>
            <Fact term="Ingest URL" mono>
              {s.ingestUrl}
            </Fact>
            <Fact term="Metadata">{mapText(s.metadata)}</Fact>
            <Fact term="Created">{time(s.createdAt)}</Fact>
          </dl>
        )}
      </Loading>
      <section aria-labelledby="source-requests">
        <h2 id="source-requests">Received requests</h2>
        <button type="button" onClick={requests.reload}>
          Refresh
        </button>
        <PagedTable
          state={requests}
          label="requests"
          class="requests"
          empty="Nothing received yet."
          columns={["Received", "Method", "Verdict", "Event type", "Forwarded", "Request"]}
          row={(r) => (
            <tr key={r.id}>
              <td>
                {time(r.receivedAt)}
                <div class="muted mono small">{r.id}</div>
              </td>
              <td class="mono">{r.method}</td>
              <td>
                {r.status}
                {r.reason && <p class="error-text">{r.reason}</p>}
              </td>
              <td>{r.eventType}</td>
              <td>{r.forwarding && `${r.forwarding.succeeded} ok, ${r.forwarding.failed} failed, ${r.forwarding.pending} pending`}</td>
              <td>
                <details>
                  <summary>Headers</summary>
                  <pre class="body">
                    {Object.entries(r.headers || {})
                      .map(([k, v]) => `${k}: ${v}`)
                      .join("\n")}
                  </pre>
                </details>
                <pre class="body">{r.body}</pre>
              </td>
            </tr>
          )}
        />
      </section>
    </>
  );
}
