// A function locked by pnpm (pnpm-lock.yaml, no packageManager field): the builder's pnpm
// installs exactly the lock in pnpm's own layout (links into node_modules/.pnpm); its
// gcp-build script runs with the devDependencies, which are then pruned; the functions
// framework is the one the project declares.
const functions = require('@google-cloud/functions-framework');
const ms = require('ms');

functions.http('hello', (req, res) => {
  res.send(`hello, pnpm (${ms(60000)}, ${require('fs').readFileSync(__dirname + '/built.txt', 'utf8')})`);
});
