import { webstreamVitest } from '../../vitest.shared.mts';

export default webstreamVitest();
