import { describeIamApi } from '../src/iam-api-suite';

// IAM on its own (accessManagement.mode = standalone), as `webstream -am` runs it.
describeIamApi('standalone');
