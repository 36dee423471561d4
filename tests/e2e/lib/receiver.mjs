// The fake webhook receiver shared with the integration tests (a real HTTP server on 127.0.0.1).
export * from "../../integration/lib/receiver.mjs";
