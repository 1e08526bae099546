// The bandwatch extension for VS Code: starts `bandwatch lsp` and speaks the Language Server
// Protocol to it with VS Code's built-in APIs only (no vscode-languageclient, so nothing to
// `npm install`: copy this folder into ~/.vscode/extensions/ and it works offline). It sends the
// open .bw documents' whole text as they change, shows the diagnostics the server publishes, and
// asks it for hover, completion and formatting.
'use strict';

const vscode = require('vscode');
const { spawn } = require('child_process');

/** A JSON-RPC connection over a child process's standard input and output (LSP framing). */
class Connection {
  constructor(child, onNotification, log) {
    this.child = child;
    this.onNotification = onNotification;
    this.log = log;
    this.buffer = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map();
    child.stdout.on('data', (chunk) => this.receive(chunk));
    child.stderr.on('data', (chunk) => log(chunk.toString()));
    child.on('exit', (code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`bandwatch lsp exited (${code})`));
      this.pending.clear();
    });
  }

  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) {
        this.buffer = this.buffer.subarray(headerEnd + 4);
        continue;
      }
      const length = Number(match[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      let message;
      try {
        message = JSON.parse(body);
      } catch (error) {
        this.log(`bandwatch lsp sent a message that is not JSON: ${error}`);
        continue;
      }
      if (message.id !== undefined && message.method === undefined) {
        const waiting = this.pending.get(message.id);
        if (!waiting) continue;
        this.pending.delete(message.id);
        if (message.error) waiting.reject(new Error(message.error.message));
        else waiting.resolve(message.result);
      } else if (message.method !== undefined && message.id === undefined) {
        this.onNotification(message.method, message.params);
      }
    }
  }

  write(message) {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, params });
  }
}

// ---- LSP shapes to VS Code's, and back ------------------------------------------------------

const toPosition = (p) => new vscode.Position(p.line, p.character);
const toRange = (r) => new vscode.Range(toPosition(r.start), toPosition(r.end));
const severities = [undefined, vscode.DiagnosticSeverity.Error, vscode.DiagnosticSeverity.Warning,
  vscode.DiagnosticSeverity.Information, vscode.DiagnosticSeverity.Hint];
// LSP CompletionItemKind (1-based) to VS Code's CompletionItemKind (0-based).
const completionKind = (kind) => (typeof kind === 'number' ? kind - 1 : vscode.CompletionItemKind.Text);

function toDiagnostic(d) {
  const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, severities[d.severity] ?? vscode.DiagnosticSeverity.Error);
  diagnostic.source = d.source;
  if (Array.isArray(d.relatedInformation)) {
    diagnostic.relatedInformation = d.relatedInformation.map((r) => new vscode.DiagnosticRelatedInformation(
      new vscode.Location(vscode.Uri.parse(r.location.uri), toRange(r.location.range)), r.message));
  }
  return diagnostic;
}

const textDocument = (document) => ({ uri: document.uri.toString() });
const isBandwatch = (document) => document.languageId === 'bandwatch';

let connection;
let child;

function activate(context) {
  const output = vscode.window.createOutputChannel('bandwatch');
  const config = vscode.workspace.getConfiguration('bandwatch');
  const program = config.get('path') || 'bandwatch';
  const folders = vscode.workspace.workspaceFolders || [];
  child = spawn(program, ['lsp'], { cwd: folders.length ? folders[0].uri.fsPath : undefined });
  child.on('error', (error) => {
    vscode.window.showErrorMessage(`bandwatch: cannot start \`${program} lsp\`: ${error.message} (set bandwatch.path)`);
  });
  const diagnostics = vscode.languages.createDiagnosticCollection('bandwatch');
  context.subscriptions.push(diagnostics, output);

  connection = new Connection(child, (method, params) => {
    if (method === 'textDocument/publishDiagnostics') {
      diagnostics.set(vscode.Uri.parse(params.uri), params.diagnostics.map(toDiagnostic));
    } else if (method === 'window/logMessage' || method === 'window/showMessage') {
      output.appendLine(params.message);
    }
  }, (text) => output.append(text));

  const ready = connection.request('initialize', {
    processId: process.pid,
    rootUri: folders.length ? folders[0].uri.toString() : null,
    workspaceFolders: folders.map((f) => ({ uri: f.uri.toString(), name: f.name })),
    initializationOptions: { samples: config.get('samples') || [] },
    capabilities: {},
  }).then(() => {
    connection.notify('initialized', {});
    vscode.workspace.textDocuments.filter(isBandwatch).forEach(open);
  }, (error) => output.appendLine(`initialize failed: ${error.message}`));

  function open(document) {
    connection.notify('textDocument/didOpen', {
      textDocument: { uri: document.uri.toString(), languageId: 'bandwatch', version: document.version, text: document.getText() },
    });
  }

  const selector = { language: 'bandwatch' };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => { if (isBandwatch(d)) ready.then(() => open(d)); }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isBandwatch(e.document)) return;
      ready.then(() => connection.notify('textDocument/didChange', {
        textDocument: { uri: e.document.uri.toString(), version: e.document.version },
        contentChanges: [{ text: e.document.getText() }],
      }));
    }),
    vscode.workspace.onDidSaveTextDocument((d) => {
      if (isBandwatch(d)) ready.then(() => connection.notify('textDocument/didSave', { textDocument: textDocument(d) }));
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (isBandwatch(d)) ready.then(() => connection.notify('textDocument/didClose', { textDocument: textDocument(d) }));
    }),
    vscode.languages.registerHoverProvider(selector, {
      async provideHover(document, position) {
        await ready;
        const result = await connection.request('textDocument/hover', { textDocument: textDocument(document), position });
        if (!result) return undefined;
        return new vscode.Hover(new vscode.MarkdownString(result.contents.value), result.range ? toRange(result.range) : undefined);
      },
    }),
    vscode.languages.registerCompletionItemProvider(selector, {
      async provideCompletionItems(document, position) {
        await ready;
        const result = await connection.request('textDocument/completion', { textDocument: textDocument(document), position });
        return (result?.items || []).map((item) => {
          const completion = new vscode.CompletionItem(item.label, completionKind(item.kind));
          completion.detail = item.detail;
          return completion;
        });
      },
    }, '{', ',', ' ', '('),
    vscode.languages.registerDocumentFormattingEditProvider(selector, {
      async provideDocumentFormattingEdits(document, options) {
        await ready;
        const edits = await connection.request('textDocument/formatting', { textDocument: textDocument(document), options });
        return (edits || []).map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText));
      },
    }),
  );
}

async function deactivate() {
  if (!connection) return;
  try {
    await Promise.race([connection.request('shutdown', null), new Promise((resolve) => setTimeout(resolve, 1000))]);
    connection.notify('exit', null);
  } catch (error) {
    // the server is gone already
  }
  if (child) child.kill();
}

module.exports = { activate, deactivate, Connection };
