// Prints the modules of a Data Matrix holding argv[2] as JSON rows of "0"/"1", drawn by the same
// vendored ZXing the tablet reads with (pwa/vendor/), so a browser test can film it as a fake camera.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const vm = require("node:vm");

const code = readFileSync(join(__dirname, "..", "..", "pwa", "vendor", "zxing-library.min.js"), "utf8");
const module_ = { exports: {} };
vm.runInThisContext(`(function (exports, module) {${code}\n})`)(module_.exports, module_);
const Z = module_.exports;
const matrix = new Z.DataMatrixWriter().encode(process.argv[2], Z.BarcodeFormat.DATA_MATRIX, 0, 0, null);
const rows = [];
for (let y = 0; y < matrix.getHeight(); y++) {
  let row = "";
  for (let x = 0; x < matrix.getWidth(); x++) row += matrix.get(x, y) ? "1" : "0";
  rows.push(row);
}
process.stdout.write(JSON.stringify(rows));
