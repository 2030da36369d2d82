export * from '../218.index.js'
