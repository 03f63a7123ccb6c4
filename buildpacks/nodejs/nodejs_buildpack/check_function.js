// The build-time check of a Node.js function, run by function_check.py with the build's
// node: resolve the module the way the functions framework does, check its syntax with
// `node --check`, then load it with the framework's own loader and ask for the target.
// argv: <framework package dir> <code location> <target> <signature type>
'use strict';
const path = require('path');
const {spawnSync} = require('child_process');

const [frameworkDir, source, target, signatureType] = process.argv.slice(2);
const MARK = 'FUNCPACKS_CHECK ';

function report(result) {
  process.stdout.write('\n' + MARK + JSON.stringify(result) + '\n', () => process.exit(0));
}

let modulePath = null;
for (const candidate of [source, path.join(source, 'function.js')]) {
  try {
    modulePath = require.resolve(candidate);
    break;
  } catch (e) {
    // not this one
  }
}
if (modulePath === null) {
  report({stage: 'resolve'});
} else {
  const syntax = spawnSync(process.execPath, ['--check', modulePath], {encoding: 'utf8'});
  if (syntax.status !== 0) {
    report({stage: 'syntax', module: modulePath, message: syntax.stderr});
  } else {
    const {getUserFunction} = require(path.join(frameworkDir, 'build', 'src', 'loader.js'));
    getUserFunction(source, target, signatureType).then(
      found => report(found ? {stage: 'ok', module: modulePath, signatureType: found.signatureType}
                            : {stage: 'load', module: modulePath}),
      error => report({stage: 'load', module: modulePath, message: String((error && error.stack) || error)}));
  }
}
