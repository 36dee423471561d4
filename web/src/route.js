// Routing in the URL fragment (#/app/ID/...): hookd serves one page whatever the route.
import { useEffect, useState } from "preact/hooks";
import { enc } from "./api.js";

// --- routing ---------------------------------------------------------------------------------

export function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

export const go = (hash) => {
  location.hash = hash;
};
export const appHref = (app, rest = "") => `#/app/${enc(app)}${rest}`;
