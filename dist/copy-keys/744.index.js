export * from '../744.index.js'
