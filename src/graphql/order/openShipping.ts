import type { ShippingDetails as Details } from '../../domain/order/shippingDetails.js';
import type { Keyring } from '../../privacy/keyring.js';
import { ERASED_PLACEHOLDER, PersonalDataStatus, type ShippingDetails } from './shippingDetails.type.js';

/** The order's shipping details opened with its customer's key; the placeholder in every field when erased or unreadable. */
export async function openShipping(
  keyring: Keyring,
  sealed: string | null,
  order: { id: string; customerId: string },
): Promise<ShippingDetails | null> {
  if (sealed === null) return null;
  const opened = await keyring.open(sealed, order.customerId, shippingRecord(order.id));
  if (opened.status === 'AVAILABLE') return { status: PersonalDataStatus.AVAILABLE, ...(JSON.parse(opened.plaintext) as Details) };
  return {
    status: PersonalDataStatus[opened.status],
    recipientName: ERASED_PLACEHOLDER,
    addressLines: [ERASED_PLACEHOLDER],
    city: ERASED_PLACEHOLDER,
    postalCode: ERASED_PLACEHOLDER,
    region: ERASED_PLACEHOLDER,
    country: ERASED_PLACEHOLDER,
    email: ERASED_PLACEHOLDER,
  };
}

/** The record shipping details are sealed for: they open for their own order only. */
export const shippingRecord = (orderId: string) => `order ${orderId} shipping`;
