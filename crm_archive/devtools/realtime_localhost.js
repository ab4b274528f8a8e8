// Preloaded into Frappe's realtime server (node -r this apps/frappe/socketio.js) by scripts/run:
// Frappe's server listens on every interface (server.listen(port)); this binds it to 127.0.0.1 only,
// like the desk's gunicorn. A Unix socket path (socketio_uds) is left as it is.
const http = require("node:http");

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
	if (typeof port === "number" || /^\d+$/.test(String(port))) {
		const callback = rest.find((arg) => typeof arg === "function");
		return listen.call(this, Number(port), process.env.REALTIME_HOST || "127.0.0.1", callback);
	}
	return listen.call(this, port, ...rest);
};
