// Types of the ES module entry (index.mjs): the same declarations as the CommonJS one (index.d.ts).
import { MaintainProAPI } from './index.js';

export * from './index.js';
export default MaintainProAPI;
