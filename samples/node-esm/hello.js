// An ES module function: `export`, no package-lock (nothing to install).
export function hello(req, res) {
  res.send('hello, world');
}
