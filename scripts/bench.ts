console.error("argv", JSON.stringify(process.argv), process.version);
console.log("STDOUT");
