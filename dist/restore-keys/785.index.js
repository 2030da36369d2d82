export * from '../785.index.js'
