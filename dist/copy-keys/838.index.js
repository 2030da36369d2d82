export * from '../838.index.js'
