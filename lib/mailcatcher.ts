// A real SMTP server that keeps what it receives: `npm start` uses it (with a web page to read
// the mail) when SMTP_URL is unset, and tests use it to read the mail the system sent.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createServer, type Server } from 'node:http';
import Handlebars from 'handlebars';

export interface CaughtMail {
  id: number;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  receivedAt: Date;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export interface MailCatcher {
  smtpPort: number;
  webPort?: number;
  messages: CaughtMail[];
  /** Resolves with the first mail (already caught or still to come) that matches. */
  waitFor(match: (m: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  /** While down, every message is refused with a temporary SMTP error (for outage tests). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

function toCaught(id: number, p: ParsedMail): CaughtMail {
  const addrs = (a: ParsedMail['to']) =>
    (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));
  return {
    id,
    to: addrs(p.to),
    from: p.from?.text ?? '',
    subject: p.subject ?? '',
    text: p.text ?? '',
    html: typeof p.html === 'string' ? p.html : '',
    messageId: p.messageId ?? '',
    receivedAt: new Date(),
    attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
  };
}

const listPage = Handlebars.compile(`<!doctype html><html lang="es"><head><meta charset="utf-8">
<title>Correo capturado</title><style>body{font-family:sans-serif;margin:2rem}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>Correo capturado ({{messages.length}})</h1><p>Servidor SMTP de desarrollo: nada de esto salió a Internet.</p>
<table><tr><th>Recibido</th><th>Para</th><th>Asunto</th></tr>
{{#each messages}}<tr><td>{{receivedAt}}</td><td>{{to}}</td><td><a href="/mensajes/{{id}}">{{subject}}</a></td></tr>{{/each}}
</table></body></html>`);
const messagePage = Handlebars.compile(`<!doctype html><html lang="es"><head><meta charset="utf-8"><title>{{m.subject}}</title>
<style>body{font-family:sans-serif;margin:2rem}iframe{width:100%;height:70vh;border:1px solid #ccc}pre{white-space:pre-wrap}</style></head>
<body><p><a href="/">← Todos</a></p><h1>{{m.subject}}</h1><p>De: {{m.from}}<br>Para: {{m.to}}<br>Recibido: {{m.receivedAt}}</p>
{{#if m.attachments.length}}<p>Adjuntos: {{#each m.attachments}}<a href="/mensajes/{{../m.id}}/adjuntos/{{@index}}">{{filename}}</a> {{/each}}</p>{{/if}}
{{#if m.html}}<iframe sandbox srcdoc="{{m.html}}"></iframe>{{/if}}<h2>Texto</h2><pre>{{m.text}}</pre></body></html>`);

export async function startMailCatcher(opts: { smtpPort?: number; webPort?: number; host?: string } = {}): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const messages: CaughtMail[] = [];
  const waiters = new Set<{ match: (m: CaughtMail) => boolean; resolve: (m: CaughtMail) => void }>();
  let down = false;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 60 * 1024 * 1024,
    onData(stream, _session, callback) {
      if (down) {
        stream.resume();
        const err = Object.assign(new Error('Servicio no disponible temporalmente'), { responseCode: 421 });
        stream.on('end', () => callback(err));
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          const mail = toCaught(messages.length + 1, parsed);
          messages.push(mail);
          for (const w of waiters) if (w.match(mail)) (waiters.delete(w), w.resolve(mail));
          callback();
        })
        .catch(callback);
    },
  });
  const smtpPort = await new Promise<number>((res, rej) => {
    smtp.server.once('error', rej);
    smtp.listen(opts.smtpPort ?? 0, host, () => res((smtp.server.address() as { port: number }).port));
  });

  let web: Server | undefined;
  let webPort: number | undefined;
  if (opts.webPort !== undefined) {
    web = createServer((req, res) => {
      const m = /^\/mensajes\/(\d+)(?:\/adjuntos\/(\d+))?$/.exec(req.url ?? '');
      const mail = m ? messages[Number(m[1]) - 1] : undefined;
      if (m && !mail) return void res.writeHead(404).end('No encontrado');
      if (mail && m?.[2] !== undefined) {
        const a = mail.attachments[Number(m[2])];
        if (!a) return void res.writeHead(404).end('No encontrado');
        return void res.writeHead(200, { 'content-type': a.contentType, 'content-disposition': `inline; filename="${encodeURIComponent(a.filename)}"` }).end(a.content);
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(mail ? messagePage({ m: mail }) : listPage({ messages: [...messages].reverse() }));
    });
    webPort = await new Promise<number>((res, rej) => {
      web!.once('error', rej);
      web!.listen(opts.webPort, host, () => res((web!.address() as { port: number }).port));
    });
  }

  return {
    smtpPort,
    webPort,
    messages,
    waitFor(match, timeoutMs = 150_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w)) reject(new Error('No llegó el correo esperado'));
        }, timeoutMs).unref();
      });
    },
    setDown(d) {
      down = d;
    },
    async close() {
      await new Promise<void>((r) => smtp.close(() => r()));
      if (web) await new Promise<void>((r) => web!.close(() => r()));
    },
  };
}
