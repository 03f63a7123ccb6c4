// A function of a Yarn berry project (Plug'n'Play, as `yarn init` writes it) whose
// packageManager pins Yarn 4 with the digest of its release, and which declares the
// functions framework.
const functions = require('@google-cloud/functions-framework');
const ms = require('ms');

functions.http('hello', (req, res) => {
  res.send(`hello, yarn berry (${ms(60000)})`);
});
