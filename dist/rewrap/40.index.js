export * from '../40.index.js'
