// A function with vendored dependencies (GOOGLE_VENDOR_NPM_DEPENDENCIES=true): node_modules
// is committed with the source, and its native module is there as sources only.
const answer = require('native-answer');

exports.hi = (req, res) => {
  res.send(String(answer.get()));
};
