/** Fixed loopback ports of the end-to-end run: the app under test and the local image server. */
export const APP_PORT = 3100;
export const IMAGE_PORT = 3198;

export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const IMAGE_SERVER_URL = `http://127.0.0.1:${IMAGE_PORT}`;
