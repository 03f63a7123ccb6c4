// A function locked by Yarn 1 (a classic yarn.lock): `yarn install --frozen-lockfile
// --production` installs exactly the lock; the functions framework is the builder's.
const debug = require('debug')('node-yarn');
const ms = require('ms');

exports.hello = (req, res) => {
  debug('hello');
  res.send(`hello, yarn (${ms(60000)})`);
};
