// An app, not a function: package.json's start script runs it, and it listens on PORT.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => {
  res.end('hello, world');
}).listen(port, () => console.log(`listening on ${port}`));
