import { BadRequestException } from '@nestjs/common';
import { type ErrorEnvelope } from '@webstream/contracts';

export type FieldError = NonNullable<ErrorEnvelope['error']['fields']>[number];

/** A request that failed its contract: 400 naming every wrong field. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly fields: FieldError[]) {
    super(
      fields.length === 1
        ? `${fields[0]!.path}: ${fields[0]!.message}`
        : `${fields.length} fields are invalid: ${fields.map((field) => field.path).join(', ')}`,
    );
  }
}
