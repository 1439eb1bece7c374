// ES module entry: the same implementation as the CommonJS one (index.cjs).
import sdk from './index.cjs';

export const {
  MaintainProAPI, MaintainProError, verifyWebhook, verifyTimestampedWebhook, parseLinkHeader, OPERATIONS,
} = sdk;
export default MaintainProAPI;
