// The MWS JS client, as the build copies it from clients/js/src into console/js/ (see the api module's pom).
export * from './js/index.js';
