// Fails when the project's own modules import each other in a cycle, and prints each cycle with
// the import lines that close it. Part of `npm run lint`.
//
// Why a script and not eslint-plugin-import-x's `no-cycle`: that rule resolves and walks the graph
// again from every linted file (slow on a tree this size unless capped by maxDepth, which then
// misses long cycles), needs a resolver plugin to understand the `#core/*` subpath imports and
// `.ts` extensions, and adds a dependency tree to the lint step. TypeScript is already here and
// resolves imports exactly as the type-check does (tsconfig.json: bundler resolution, package.json
// "imports"), so one pass over the graph takes about a second and cannot disagree with tsc.
//
// What counts as an edge: every static `import`/`export ... from`, `import type` included. A
// type-only cycle costs nothing at run time, but it means neither file is the lower one, which is
// what the layer rules are about. A dynamic `import()` is not an edge: it is evaluated later, on
// purpose, and cannot break module initialisation order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (file) => path.relative(root, file).split(path.sep).join('/');

const configPath = path.join(root, 'tsconfig.json');
const read = ts.readConfigFile(configPath, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
const config = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
const files = config.fileNames.filter((f) => !f.endsWith('.d.ts') && !f.endsWith('.d.mts'));
const known = new Set(files.map((f) => path.normalize(f)));
const cache = ts.createModuleResolutionCache(root, (f) => f, config.options);

/** @type {Map<string, {to: string, line: number, text: string}[]>} */
const graph = new Map();
for (const file of files) {
  const source = ts.createSourceFile(file, ts.sys.readFile(file) ?? '', ts.ScriptTarget.Latest, false);
  const edges = [];
  for (const statement of source.statements) {
    let specifier;
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) specifier = statement.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference))
      specifier = statement.moduleReference.expression;
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const resolved = ts.resolveModuleName(specifier.text, file, config.options, ts.sys, cache).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport) continue;
    const to = path.normalize(resolved.resolvedFileName);
    if (!known.has(to)) continue;
    const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
    edges.push({ to, line, text: statement.getText(source).replace(/\s+/g, ' ') });
  }
  graph.set(path.normalize(file), edges);
}

// Tarjan's strongly connected components, iterative so a deep import chain cannot overflow the stack.
const index = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const components = [];
let counter = 0;
for (const start of graph.keys()) {
  if (index.has(start)) continue;
  const work = [{ node: start, next: 0 }];
  index.set(start, counter);
  low.set(start, counter++);
  stack.push(start);
  onStack.add(start);
  while (work.length > 0) {
    const frame = work[work.length - 1];
    const edges = graph.get(frame.node) ?? [];
    if (frame.next < edges.length) {
      const { to } = edges[frame.next++];
      if (!index.has(to)) {
        index.set(to, counter);
        low.set(to, counter++);
        stack.push(to);
        onStack.add(to);
        work.push({ node: to, next: 0 });
      } else if (onStack.has(to)) {
        low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
      }
      continue;
    }
    work.pop();
    if (work.length > 0) {
      const parent = work[work.length - 1].node;
      low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
    }
    if (low.get(frame.node) === index.get(frame.node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfImport = (graph.get(frame.node) ?? []).some((e) => e.to === frame.node);
      if (component.length > 1 || selfImport) components.push(component);
    }
  }
}

// One concrete cycle per component: the shortest way back to its first file (breadth-first),
// which is the loop a reader needs to see to decide which import points the wrong way.
function cycleThrough(component) {
  const members = new Set(component);
  const first = [...component].sort()[0];
  const previous = new Map();
  const queue = [first];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const edge of graph.get(node) ?? []) {
      if (!members.has(edge.to)) continue;
      if (edge.to === first) {
        const path = [edge];
        for (let at = node; at !== first; at = previous.get(at).from) path.unshift(previous.get(at).edge);
        return { first, path };
      }
      if (!previous.has(edge.to)) {
        previous.set(edge.to, { from: node, edge });
        queue.push(edge.to);
      }
    }
  }
  return { first, path: [] };
}

if (components.length === 0) {
  console.log(`check-cycles: no import cycles among ${graph.size} files`);
} else {
  console.error(`check-cycles: ${components.length} import cycle${components.length === 1 ? '' : 's'}`);
  for (const component of components) {
    const { first, path: loop } = cycleThrough(component);
    const others = component.length > loop.length ? ` (${component.length} files in this knot)` : '';
    console.error(`\n  cycle${others}:`);
    let from = first;
    for (const edge of loop) {
      console.error(`    ${rel(from)}:${edge.line}  ${edge.text}`);
      from = edge.to;
    }
    console.error(`    -> back to ${rel(first)}`);
  }
  console.error(
    '\nMove what both files need (usually a type) into the file lower in the graph, or into main/contract.',
  );
  process.exit(1);
}
