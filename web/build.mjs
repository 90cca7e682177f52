// Builds what `vigil serve` serves from its web directory (default: "web" beside the binary):
//   OUT/app/   the dashboard (Vite; hashed names under assets/)
//   OUT/docs/  Swagger UI and ReDoc from the pinned npm packages, with our pages and init scripts
// and a gzip copy (NAME.gz) of every text file, so the server never compresses at request time.
// Usage: node build.mjs OUT
import { build } from 'vite';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '..', 'build', 'web'));
const mod = (p) => join(here, 'node_modules', p);

rmSync(out, { recursive: true, force: true });
await build({
  root: join(here, 'app'),
  base: '/',
  logLevel: 'warn',
  build: { outDir: join(out, 'app'), emptyOutDir: true, assetsDir: 'assets', target: 'es2020' },
});

const docs = join(out, 'docs');
mkdirSync(docs, { recursive: true });
for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css'])
  copyFileSync(mod(`swagger-ui-dist/${f}`), join(docs, f));
copyFileSync(mod('redoc/bundles/redoc.standalone.js'), join(docs, 'redoc.standalone.js'));
for (const f of readdirSync(join(here, 'docs'))) copyFileSync(join(here, 'docs', f), join(docs, f));

const compressible = /\.(html|js|css|svg|json|txt)$/;
function gzipTree(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) gzipTree(p);
    else if (compressible.test(name))
      writeFileSync(`${p}.gz`, gzipSync(readFileSync(p), { level: constants.Z_BEST_COMPRESSION }));
  }
}
gzipTree(out);
console.log(`web: built ${out}`);
