// An app's endpoints: list and create.
import { useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, useLoad, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { appHref, go } from "../route.js";
import { EnabledBadge, ErrorNote, Field, PagedTable, ago, time } from "../ui.jsx";
import { successRate } from "./stats.jsx";

export function Endpoints({ appId, can }) {
  const eps = usePaged(() => `/app/${enc(appId)}/endpoint?limit=100`, [appId]);
  // Health at a glance for the listed endpoints (the API takes at most 250), in one request.
  const ids = (eps.items || []).slice(0, 250).map((ep) => ep.id);
  const health = useLoad(async () => {
    if (!ids.length) return new Map();
    const q = ids.map((id) => `endpoint_id=${enc(id)}`).join("&");
    const json = await api("GET", `/app/${enc(appId)}/stats/endpoint-health?${q}`);
    return new Map(json.data.map((h) => [h.endpointId, h]));
  }, [appId, ids.join(",")]);
  const create = useAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <section aria-labelledby="list-endpoints">
        <h2 id="list-endpoints">Endpoints</h2>
        <PagedTable
          state={eps}
          label="endpoints"
          empty="No endpoints yet."
          columns={["URL", "Description", "State", "Success last hour", "Success last day", "Last failure", "Created"]}
          row={(ep) => {
            const h = health.data?.get(ep.id);
            return (
              <tr key={ep.id}>
                <td class="url">
                  <a href={appHref(appId, `/endpoint/${enc(ep.id)}`)}>{ep.url}</a>
                </td>
                <td>{ep.description}</td>
                <td>
                  <EnabledBadge disabled={ep.disabled} />
                  {h?.held > 0 && <span class="muted"> {h.held} held</span>}
                </td>
                <td class="health" data-label="Last hour">
                  {h && successRate(h.lastHour)}
                </td>
                <td class="health" data-label="Last day">
                  {h && successRate(h.lastDay)}
                </td>
                <td title={time(h?.lastFailureAt)} data-label="Last failure">
                  {h && (h.lastFailureAt ? ago(h.lastFailureAt) : "none")}
                </td>
                <td>{time(ep.createdAt)}</td>
              </tr>
            );
          }}
        />
        <ErrorNote error={health.error} />
      </section>
      {can("ManageEndpoint") && (
        <section aria-labelledby="create-endpoint">
          <h2 id="create-endpoint">Add an endpoint</h2>
          <form
            class="inline"
            onSubmit={async (e) => {
              e.preventDefault();
              const ep = await create.run(() =>
                api("POST", `/app/${enc(appId)}/endpoint`, { url, ...(description ? { description } : {}) }),
              );
              if (ep) go(appHref(appId, `/endpoint/${enc(ep.id)}`));
            }}
          >
            <Field label="URL">
              <input type="url" name="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
            </Field>
            <Field label="Description (optional)">
              <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
            </Field>
            <button type="submit" class="primary" disabled={create.busy}>
              Add endpoint
            </button>
          </form>
          <ErrorNote error={create.error} />
        </section>
      )}
    </>
  );
}
