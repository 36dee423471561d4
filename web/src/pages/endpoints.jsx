// An app's endpoints: list and create.
import { useState } from "preact/hooks";
import { api, enc } from "../api.js";
import { useAction, usePaged } from "../hooks.js";
import { AppHeader } from "./apps.jsx";
import { appHref, go } from "../route.js";
import { ErrorNote, Field, Paged, Table, time } from "../ui.jsx";

export function Endpoints({ appId, can }) {
  const eps = usePaged(() => `/app/${enc(appId)}/endpoint?limit=100`, [appId]);
  const create = useAction();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  return (
    <>
      <AppHeader appId={appId} current="endpoints" />
      <section aria-labelledby="list-endpoints">
        <h2 id="list-endpoints">Endpoints</h2>
        <Paged state={eps} label="endpoints">
          {(items) => (
            <Table
              items={items}
              empty="No endpoints yet."
              columns={["URL", "Description", "State", "Created"]}
              row={(ep) => (
                <tr key={ep.id}>
                  <td class="url">
                    <a href={appHref(appId, `/endpoint/${enc(ep.id)}`)}>{ep.url}</a>
                  </td>
                  <td>{ep.description}</td>
                  <td>
                    {ep.disabled ? <span class="badge badge-failed">disabled</span> : <span class="badge badge-succeeded">enabled</span>}
                  </td>
                  <td>{time(ep.createdAt)}</td>
                </tr>
              )}
            />
          )}
        </Paged>
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
