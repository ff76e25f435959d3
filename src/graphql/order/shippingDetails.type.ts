import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum PersonalDataStatus {
  AVAILABLE = 'AVAILABLE',
  ERASED = 'ERASED',
  UNREADABLE = 'UNREADABLE',
}

registerEnumType(PersonalDataStatus, {
  name: 'PersonalDataStatus',
  description:
    "AVAILABLE: shown as given. ERASED: the customer was forgotten (forgetCustomer); every field reads ERASED_PLACEHOLDER. UNREADABLE: the value's key is missing or it does not authenticate; every field reads the placeholder and the server logs why.",
});

/** What each personal field reads once its customer's key is destroyed, or when it cannot be read. */
export const ERASED_PLACEHOLDER = '[erased]';

@ObjectType({
  description: `Where the order ships and whom to tell: personal data, stored sealed under the customer's own key. Fields read "${ERASED_PLACEHOLDER}" unless status is AVAILABLE.`,
})
export class ShippingDetails {
  @Field(() => PersonalDataStatus)
  status!: PersonalDataStatus;

  @Field(() => String)
  recipientName!: string;

  @Field(() => [String], { description: '1 to 3 lines.' })
  addressLines!: string[];

  @Field(() => String)
  city!: string;

  @Field(() => String, { nullable: true })
  postalCode!: string | null;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field(() => String, { description: `ISO 3166-1 alpha-2, e.g. "DE"; "${ERASED_PLACEHOLDER}" unless AVAILABLE.` })
  country!: string;

  @Field(() => String)
  email!: string;
}
