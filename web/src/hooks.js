// Data loading and action hooks shared by the pages.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, enc } from "./api.js";

// --- data loading ----------------------------------------------------------------------------

// Runs `load` whenever `deps` change; {data, error, loading, reload}.
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const reload = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

// An action button's runner: busy while running, error shown beside it.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

// A list the API pages ({data, iterator, done}): the first page on `deps` change, more() appends
// the next one. {items, done, error, loading, reload, more}.
export function usePaged(makePath, deps, pick = (json) => json) {
  const [state, setState] = useState({ items: null, iterator: null, done: true, error: null, loading: true });
  const seq = useRef(0);
  const fetchPage = (iterator, append) => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    const p = makePath();
    const path = iterator ? `${p}${p.includes("?") ? "&" : "?"}iterator=${enc(iterator)}` : p;
    api("GET", path).then(
      (json) => {
        const page = pick(json);
        if (n !== seq.current) return;
        setState((s) => ({
          items: append ? [...(s.items || []), ...page.data] : page.data,
          iterator: page.iterator,
          done: page.done !== false,
          error: null,
          loading: false,
        }));
      },
      (error) => n === seq.current && setState((s) => ({ ...s, items: append ? s.items : null, error, loading: false })),
    );
  };
  const reload = useCallback(() => fetchPage(null, false), deps);
  useEffect(reload, [reload]);
  return { ...state, reload, more: () => fetchPage(state.iterator, true) };
}
