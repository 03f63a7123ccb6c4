// OpenFunction's hello-world-node sample (samples/functions/knative/hello-world-node in
// OpenFunction/samples), as users build it: no package.json, FUNC_NAME=helloWorld.
exports.helloWorld = (req, res) => {
  res.send('hello, world');
};
