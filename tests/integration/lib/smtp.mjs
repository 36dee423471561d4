// A real SMTP server on loopback (smtp_sink.py on aiosmtpd, run by Debian's /usr/bin/python3):
//   const smtp = await startSmtp();   // smtp.url: "smtp://127.0.0.1:<port>"
//   smtp.mails  // [{ from, to: [...], data, subject, body }]
//   await smtp.close();
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { freePort } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startSmtp() {
  const port = await freePort();
  const child = spawn("/usr/bin/python3", [path.join(here, "smtp_sink.py"), String(port)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const mails = [];
  let buffered = "";
  await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`smtp sink exited ${code} (is python3-aiosmtpd installed?)`)));
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === "ready") resolve();
        else if (line) {
          const m = JSON.parse(line);
          const split = m.data.indexOf("\r\n\r\n");
          const head = split >= 0 ? m.data.slice(0, split) : m.data;
          m.subject = /^Subject: (.*)$/m.exec(head)?.[1]?.trim();
          m.body = split >= 0 ? m.data.slice(split + 4).replaceAll("\r\n", "\n") : "";
          mails.push(m);
        }
      }
    });
  });
  child.removeAllListeners("exit");
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin.end();
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
