export * from '../507.index.js'
