// A function with a package-lock.json: npm ci installs exactly what it pins, the functions
// framework at the version the project declares.
const functions = require('@google-cloud/functions-framework');
const ms = require('ms');

functions.http('hello', (req, res) => {
  res.send(`hello, world (${ms(60000)})`);
});
