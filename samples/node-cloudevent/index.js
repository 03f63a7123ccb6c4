// A CloudEvent function registered with the functions framework's declarative API; the
// framework is not declared (there is no package.json): the builder adds it.
const functions = require('@google-cloud/functions-framework');

functions.cloudEvent('onEvent', (event) => {
  console.log(`received ${event.type} ${event.id}`);
});
